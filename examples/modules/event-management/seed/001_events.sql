INSERT INTO permissions (name, description, module) VALUES
  ('events.view', 'See events', 'event-management'),
  ('events.manage', 'Plan events and take attendance', 'event-management');

INSERT INTO permission_role (permission_id, role_id)
  SELECT p.id, r.id FROM permissions p JOIN roles r ON r.name IN ('super-admin', 'admin', 'staff')
  WHERE p.module = 'event-management';
