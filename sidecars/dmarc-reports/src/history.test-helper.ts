// A record as OpenDMARC 1.4 writes it (a pass: aligned SPF and DKIM, p=reject).
export const RECORD = `job 4Xq2Lk0Zb2z9
reporter mx.example.com
received 1767225600
ipaddr 192.0.2.10
from pass.example
mfrom pass.example
spf 0
dkim pass.example 0
pdomain pass.example
policy 15
rua mailto:dmarc@pass.example
pct 100
adkim 114
aspf 114
p 114
sp 114
align_dkim 4
align_spf 4
action 2
`;
