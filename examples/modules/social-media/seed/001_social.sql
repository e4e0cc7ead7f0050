INSERT INTO permissions (name, description, module) VALUES
  ('social.post', 'Draft and schedule posts', 'social-media'),
  ('social.accounts', 'Connect and remove accounts', 'social-media');

INSERT INTO permission_role (permission_id, role_id)
  SELECT p.id, r.id FROM permissions p JOIN roles r ON r.name IN ('super-admin', 'admin')
  WHERE p.module = 'social-media';

INSERT INTO permission_role (permission_id, role_id)
  SELECT p.id, r.id FROM permissions p JOIN roles r ON r.name = 'staff'
  WHERE p.name = 'social.post';
