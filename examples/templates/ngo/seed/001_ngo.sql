-- Settings and permissions of every NGO tenant.
INSERT INTO settings (name, value, type, section) VALUES
  ('ngo.swc_affiliation_number', {{ quote .Vars.swc_number }}, 'string', 'ngo'),
  ('ngo.report_currency', 'NPR', 'string', 'ngo');

INSERT INTO roles (name, label, description, is_system) VALUES
  ('project-officer', 'Project officer', 'Runs projects and records beneficiaries', 1);

INSERT INTO permissions (name, description, module) VALUES
  ('projects.manage', 'Create and edit projects', 'ngo'),
  ('beneficiaries.manage', 'Enrol and exit beneficiaries', 'ngo'),
  ('grants.manage', 'Record donors and grants', 'ngo');

INSERT INTO permission_role (permission_id, role_id)
  SELECT p.id, r.id FROM permissions p JOIN roles r ON r.name IN ('super-admin', 'admin')
  WHERE p.module = 'ngo';

INSERT INTO permission_role (permission_id, role_id)
  SELECT p.id, r.id FROM permissions p JOIN roles r ON r.name = 'project-officer'
  WHERE p.name IN ('projects.manage', 'beneficiaries.manage');
