-- Default roles and permissions of every tenant. Templates and modules add
-- their own permissions in their seeds.
INSERT INTO roles (name, label, description, is_system) VALUES
  ('super-admin', 'Super administrator', 'Everything, including roles and settings', 1),
  ('admin', 'Administrator', 'Manages users and the organisation''s data', 1),
  ('staff', 'Staff', 'Day-to-day data entry', 1),
  ('viewer', 'Viewer', 'Read-only access', 1);

INSERT INTO permissions (name, description) VALUES
  ('users.view', 'See users'),
  ('users.manage', 'Invite, edit and disable users'),
  ('roles.manage', 'Create roles and assign permissions'),
  ('settings.manage', 'Change settings'),
  ('audit.view', 'Read the audit log');

-- super-admin and admin get every basic permission, but admin cannot edit roles.
INSERT INTO permission_role (permission_id, role_id)
  SELECT p.id, r.id FROM permissions p JOIN roles r ON r.name = 'super-admin'
  WHERE p.module = 'basic';

INSERT INTO permission_role (permission_id, role_id)
  SELECT p.id, r.id FROM permissions p JOIN roles r ON r.name = 'admin'
  WHERE p.module = 'basic' AND p.name <> 'roles.manage';

INSERT INTO permission_role (permission_id, role_id)
  SELECT p.id, r.id FROM permissions p JOIN roles r ON r.name IN ('staff', 'viewer')
  WHERE p.name = 'users.view';
