-- The central committee, the party settings and the permissions of the
-- committee structure. display_name_ne is a var every party tenant sets.
INSERT INTO committees (level, name, name_ne, formed_on) VALUES
  ('central', CONCAT({{ quote .Vars.display_name }}, ' Central Committee'), {{ quote .Vars.display_name_ne }}, CURRENT_DATE);

INSERT INTO settings (name, value, type, section) VALUES
  ('party.name_ne', {{ quote .Vars.display_name_ne }}, 'string', 'party'),
  ('party.ec_registration_number', {{ quote .Vars.ec_registration_number }}, 'string', 'party');

INSERT INTO roles (name, label, description, is_system) VALUES
  ('committee-secretary', 'Committee secretary', 'Keeps the records of one committee', 1);

INSERT INTO permissions (name, description, module) VALUES
  ('committees.view', 'See the committee tree', 'political-party-nepal'),
  ('committees.manage', 'Form, dissolve and edit committees', 'political-party-nepal'),
  ('cadres.manage', 'Appoint and remove cadres', 'political-party-nepal');

INSERT INTO permission_role (permission_id, role_id)
  SELECT p.id, r.id FROM permissions p JOIN roles r ON r.name IN ('super-admin', 'admin')
  WHERE p.module = 'political-party-nepal';

INSERT INTO permission_role (permission_id, role_id)
  SELECT p.id, r.id FROM permissions p JOIN roles r ON r.name = 'committee-secretary'
  WHERE p.name IN ('committees.view', 'cadres.manage');
