-- A member. user_id is set when the member also signs in to the application.
CREATE TABLE members (
  id                 BIGINT UNSIGNED   NOT NULL AUTO_INCREMENT,
  user_id            BIGINT UNSIGNED   NULL,
  membership_number  VARCHAR(32)       NOT NULL,
  membership_type_id SMALLINT UNSIGNED NOT NULL,
  full_name          VARCHAR(150)      NOT NULL,
  full_name_ne       VARCHAR(150)      NULL,
  email              VARCHAR(255)      NULL,
  phone              VARCHAR(20)       NULL,
  district           VARCHAR(64)       NULL,
  joined_on          DATE              NOT NULL,
  expires_on         DATE              NULL,
  status             ENUM('pending', 'active', 'lapsed', 'suspended', 'expelled') NOT NULL DEFAULT 'pending',
  created_at         TIMESTAMP         NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at         TIMESTAMP         NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_members_number (membership_number),
  UNIQUE KEY uq_members_user (user_id),
  KEY idx_members_status_expires (status, expires_on),
  KEY idx_members_email (email),
  CONSTRAINT fk_members_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT fk_members_type FOREIGN KEY (membership_type_id) REFERENCES membership_types (id)
);
