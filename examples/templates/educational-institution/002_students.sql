-- Students, with the guardian the school contacts.
CREATE TABLE students (
  id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id          BIGINT UNSIGNED NULL COMMENT 'set when the student gets a login',
  admission_number VARCHAR(32)     NOT NULL,
  full_name        VARCHAR(150)    NOT NULL,
  full_name_ne     VARCHAR(150)    NULL,
  gender           ENUM('female', 'male', 'other') NOT NULL,
  date_of_birth    DATE            NOT NULL,
  guardian_name    VARCHAR(150)    NOT NULL,
  guardian_phone   VARCHAR(20)     NOT NULL,
  class_id         INT UNSIGNED    NULL,
  admitted_on      DATE            NOT NULL,
  status           ENUM('enrolled', 'graduated', 'transferred', 'dropped') NOT NULL DEFAULT 'enrolled',
  created_at       TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at       TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_students_admission_number (admission_number),
  KEY idx_students_class_status (class_id, status),
  CONSTRAINT fk_students_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT fk_students_class FOREIGN KEY (class_id) REFERENCES classes (id) ON DELETE SET NULL
);
