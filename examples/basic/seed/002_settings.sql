-- Default settings. Values from tenant.yaml vars always go through quote,
-- which renders a safe SQL string literal.
INSERT INTO settings (name, value, type, section) VALUES
  ('org.name', {{ quote .Vars.display_name }}, 'string', 'general'),
  ('org.slug', {{ quote .Tenant.Name }}, 'string', 'general'),
  ('app.locale', {{ quote .Vars.locale }}, 'string', 'general'),
  ('app.timezone', 'Asia/Kathmandu', 'string', 'general'),
  ('app.currency', 'NPR', 'string', 'general'),
  ('app.calendar', 'bikram-sambat', 'string', 'general'),
  ('email.from_name', {{ quote .Vars.display_name }}, 'string', 'email'),
  ('email.from_address', CONCAT('noreply@', {{ quote .Tenant.Name }}, '.strata.example'), 'string', 'email');
