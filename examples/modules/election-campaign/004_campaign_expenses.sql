-- Campaign spending per candidate, linked to the expense (financial-tracking)
-- so it counts against the spending limit in the Election Commission report.
CREATE TABLE campaign_expenses (
  candidate_id BIGINT UNSIGNED NOT NULL,
  expense_id   BIGINT UNSIGNED NOT NULL,
  ec_heading   VARCHAR(64)     NOT NULL COMMENT 'expense heading of the EC report form',
  PRIMARY KEY (candidate_id, expense_id),
  UNIQUE KEY uq_campaign_expenses_expense (expense_id),
  CONSTRAINT fk_campaign_expenses_candidate FOREIGN KEY (candidate_id) REFERENCES candidates (id) ON DELETE CASCADE,
  CONSTRAINT fk_campaign_expenses_expense FOREIGN KEY (expense_id) REFERENCES expenses (id)
);
