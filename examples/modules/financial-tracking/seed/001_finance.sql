-- The treasurer role and the permissions of this module.
INSERT INTO roles (name, label, description, is_system) VALUES
  ('treasurer', 'Treasurer', 'Records donations and expenses, issues receipts', 1);

INSERT INTO permissions (name, description, module) VALUES
  ('finance.view', 'See donations and expenses', 'financial-tracking'),
  ('finance.manage', 'Record donations and expenses, issue receipts', 'financial-tracking');

INSERT INTO permission_role (permission_id, role_id)
  SELECT p.id, r.id FROM permissions p JOIN roles r ON r.name IN ('super-admin', 'admin', 'treasurer')
  WHERE p.module = 'financial-tracking';

INSERT INTO settings (name, value, type, section) VALUES
  ('finance.receipt_prefix', UPPER(REPLACE({{ quote .Tenant.Name }}, '-', '')), 'string', 'finance'),
  ('finance.fiscal_year_start', 'shrawan-1', 'string', 'finance');
