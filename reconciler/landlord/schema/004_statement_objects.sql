-- The objects each statement changes ("column users.name", one a line), as
-- the diff engine named them: drift detection tells strata's own changes
-- from hand-made ones by them, never by reading the SQL.
ALTER TABLE apply_statements ADD COLUMN objects TEXT NULL;
