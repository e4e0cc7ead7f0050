-- Money received. member_id is NULL for donors who are not members.
CREATE TABLE donations (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  member_id   BIGINT UNSIGNED NULL,
  donor_name  VARCHAR(200)    NOT NULL,
  pan_number  VARCHAR(9)      NULL COMMENT 'tax id, required above the legal threshold',
  amount      DECIMAL(12, 2)  NOT NULL,
  currency    CHAR(3)         NOT NULL DEFAULT 'NPR',
  method      ENUM('cash', 'bank-transfer', 'cheque', 'esewa', 'khalti') NOT NULL,
  received_on DATE            NOT NULL,
  receipt_id  BIGINT UNSIGNED NULL,
  notes       TEXT            NULL,
  created_at  TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY idx_donations_received_on (received_on),
  KEY idx_donations_member (member_id),
  CONSTRAINT fk_donations_member FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE SET NULL,
  CONSTRAINT fk_donations_receipt FOREIGN KEY (receipt_id) REFERENCES receipts (id),
  CONSTRAINT chk_donations_amount CHECK (amount > 0)
);
