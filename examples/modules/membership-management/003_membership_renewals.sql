-- One row per paid renewal period.
CREATE TABLE membership_renewals (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  member_id    BIGINT UNSIGNED NOT NULL,
  period_start DATE            NOT NULL,
  period_end   DATE            NOT NULL,
  fee_paid     DECIMAL(10, 2)  NOT NULL DEFAULT 0.00,
  recorded_by  BIGINT UNSIGNED NULL,
  created_at   TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_membership_renewals_period (member_id, period_start),
  CONSTRAINT fk_membership_renewals_member FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
  CONSTRAINT fk_membership_renewals_recorded_by FOREIGN KEY (recorded_by) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT chk_membership_renewals_period CHECK (period_end > period_start)
);
