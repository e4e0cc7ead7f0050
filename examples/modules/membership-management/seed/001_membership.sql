-- Default membership types and the permissions of this module.
INSERT INTO membership_types (code, name, annual_fee, duration_months) VALUES
  ('general', 'General member', 100.00, 12),
  ('active', 'Active member', 500.00, 12),
  ('lifetime', 'Lifetime member', 0.00, NULL);

INSERT INTO permissions (name, description, module) VALUES
  ('members.view', 'See members', 'membership-management'),
  ('members.manage', 'Admit, renew and suspend members', 'membership-management');

INSERT INTO permission_role (permission_id, role_id)
  SELECT p.id, r.id FROM permissions p JOIN roles r ON r.name IN ('super-admin', 'admin')
  WHERE p.module = 'membership-management';

INSERT INTO permission_role (permission_id, role_id)
  SELECT p.id, r.id FROM permissions p JOIN roles r ON r.name IN ('staff', 'viewer')
  WHERE p.name = 'members.view';
