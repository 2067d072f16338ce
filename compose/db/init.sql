-- Demo tables for the mta's MySQL lookups (MYSQL_QUERY_USER / MYSQL_QUERY_ALIAS in compose.yml).
CREATE TABLE IF NOT EXISTS mailboxes (
  id INT AUTO_INCREMENT PRIMARY KEY,
  mail VARCHAR(255) NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS aliases (
  id INT AUTO_INCREMENT PRIMARY KEY,
  alias VARCHAR(255) NOT NULL,
  target VARCHAR(255) NOT NULL,
  KEY (alias)
);
INSERT INTO aliases (alias, target) VALUES
  ('postmaster@example.com', 'demo@example.com'),
  ('abuse@example.com', 'demo@example.com');
