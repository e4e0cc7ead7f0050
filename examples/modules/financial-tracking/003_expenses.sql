-- Money spent, approved by a user.
CREATE TABLE expenses (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  category    VARCHAR(64)     NOT NULL COMMENT 'rent, salaries, travel, printing, ...',
  description VARCHAR(500)    NOT NULL,
  amount      DECIMAL(12, 2)  NOT NULL,
  currency    CHAR(3)         NOT NULL DEFAULT 'NPR',
  paid_on     DATE            NOT NULL,
  approved_by BIGINT UNSIGNED NULL,
  receipt_id  BIGINT UNSIGNED NULL,
  created_at  TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY idx_expenses_category_paid_on (category, paid_on),
  CONSTRAINT fk_expenses_approved_by FOREIGN KEY (approved_by) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT fk_expenses_receipt FOREIGN KEY (receipt_id) REFERENCES receipts (id),
  CONSTRAINT chk_expenses_amount CHECK (amount > 0)
);
