-- Permissions are named <area>.<action>. Module seeds add their own, tagged
-- with the module name so the application can hide those of a disabled module.
CREATE TABLE permissions (
  id          INT UNSIGNED NOT NULL AUTO_INCREMENT,
  name        VARCHAR(100) NOT NULL,
  description VARCHAR(255) NULL,
  module      VARCHAR(64)  NOT NULL DEFAULT 'basic',
  created_at  TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_permissions_name (name),
  KEY idx_permissions_module (module)
);

CREATE TABLE permission_role (
  permission_id INT UNSIGNED NOT NULL,
  role_id       INT UNSIGNED NOT NULL,
  PRIMARY KEY (permission_id, role_id),
  KEY idx_permission_role_role (role_id),
  CONSTRAINT fk_permission_role_permission FOREIGN KEY (permission_id) REFERENCES permissions (id) ON DELETE CASCADE,
  CONSTRAINT fk_permission_role_role FOREIGN KEY (role_id) REFERENCES roles (id) ON DELETE CASCADE
);
