-- Numbered receipts, issued for every donation and kept for every expense.
CREATE TABLE receipts (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  number      VARCHAR(32)     NOT NULL,
  fiscal_year VARCHAR(7)      NOT NULL COMMENT 'Bikram Sambat, e.g. 2081/82',
  direction   ENUM('in', 'out') NOT NULL,
  amount      DECIMAL(12, 2)  NOT NULL,
  issued_on   DATE            NOT NULL,
  issued_by   BIGINT UNSIGNED NULL,
  file_path   VARCHAR(255)    NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_receipts_year_number (fiscal_year, number),
  CONSTRAINT fk_receipts_issued_by FOREIGN KEY (issued_by) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT chk_receipts_amount CHECK (amount > 0)
);
