INSERT INTO roles (name, label, description, is_system) VALUES
  ('campaign-manager', 'Campaign manager', 'Runs the campaign of one or more candidates', 1);

INSERT INTO permissions (name, description, module) VALUES
  ('campaign.view', 'See candidates and campaigns', 'election-campaign'),
  ('campaign.manage', 'Nominate candidates, plan campaign events and spending', 'election-campaign');

INSERT INTO permission_role (permission_id, role_id)
  SELECT p.id, r.id FROM permissions p JOIN roles r ON r.name IN ('super-admin', 'admin', 'campaign-manager')
  WHERE p.module = 'election-campaign';

INSERT INTO elections (name, level, polling_date) VALUES
  ('House of Representatives and Provincial Assembly 2079', 'federal', '2022-11-20'),
  ('Local elections 2079', 'local', '2022-05-13');
