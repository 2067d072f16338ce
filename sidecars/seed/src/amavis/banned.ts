// Banned attachments: amavis's stock rules, as the seed's amavisd.conf had them (FINAL_BANNED_DESTINY acts on them).
//
// amavis tests every part of a message, and every member of an archive inside it (a zip in a zip too), from the
// outermost container to the part itself, against these rules in order; the first rule that matches any of the
// part's names, MIME types or file(1) types decides (1: banned, 0: allowed). File types come from the content, so a
// PE executable named invoice.pdf and sent as application/pdf is still `.exe-ms`.
//
// Password-protected archives: amavis cannot look inside, so the content is not scanned, but the member names are
// listed without the password (zip, 7z without encrypted headers, RAR 4) and checked like any other name: an
// encrypted zip holding invoice.exe is banned. What cannot be opened at all is passed with ***UNCHECKED*** in the
// subject (amavis's default): blocking every encrypted archive loses legitimate mail (encrypted business
// documents). An operator who wants that adds one line to the local hook (docs/content-filter.md).
export const BANNED_RULES = String.raw`$banned_filename_re = new_RE(
  # file(1) types: Windows executables and DLLs, whatever they are called
  qr'^\.(exe-ms|dll)$',
  # allowed from here on inside Unix archives
  [ qr'^\.(rpm|cpio|tar)$' => 0 ],
  # screen savers and PIF files
  qr'.\.(pif|scr)$'i,
  # MIME types of executables and HTML applications
  qr'^application/x-msdownload$'i,
  qr'^application/x-msdos-program$'i,
  qr'^application/hta$'i,
  # double extensions: invoice.pdf.exe
  qr'^(?!cid:).*\.[^./]*[A-Za-z][^./]*\.\s*(exe|vbs|pif|scr|bat|cmd|com|cpl|dll)[.\s]*$'i,
  # executable extensions
  qr'.\.(exe|vbs|pif|scr|cpl)$'i,
);`;

// Mail amavis cannot fully decode is delivered with this subject tag (its default, stated so it is deliberate).
export const UNDECIPHERABLE_TAG = '***UNCHECKED*** ';
