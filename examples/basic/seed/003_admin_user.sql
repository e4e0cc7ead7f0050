-- The first administrator. The application sends the invitation and the
-- password is set when it is accepted.
INSERT INTO users (uuid, email, name, status, locale) VALUES
  (UUID(), CONCAT('admin@', {{ quote .Tenant.Name }}, '.strata.example'), 'Administrator', 'invited', {{ quote .Vars.locale }});

INSERT INTO role_user (role_id, user_id)
  SELECT r.id, u.id FROM roles r JOIN users u ON u.email = CONCAT('admin@', {{ quote .Tenant.Name }}, '.strata.example')
  WHERE r.name = 'super-admin';
