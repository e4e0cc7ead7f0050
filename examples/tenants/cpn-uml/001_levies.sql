-- Levy (lewi) that members holding public office pay from their
-- allowance, per fiscal year, recorded against a financial-tracking receipt.
CREATE TABLE levies (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  member_id   BIGINT UNSIGNED NOT NULL,
  fiscal_year VARCHAR(7)      NOT NULL,
  office      VARCHAR(100)    NOT NULL COMMENT 'the public office the allowance comes from',
  rate        DECIMAL(5, 2)   NOT NULL COMMENT 'percent of the allowance',
  amount      DECIMAL(12, 2)  NOT NULL,
  receipt_id  BIGINT UNSIGNED NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_levies_member_year_office (member_id, fiscal_year, office),
  CONSTRAINT fk_levies_member FOREIGN KEY (member_id) REFERENCES members (id),
  CONSTRAINT fk_levies_receipt FOREIGN KEY (receipt_id) REFERENCES receipts (id),
  CONSTRAINT chk_levies_rate CHECK (rate > 0 AND rate <= 100)
);
