-- A subject taught to one class, e.g. Compulsory Mathematics for Grade 10 A.
CREATE TABLE courses (
  id           INT UNSIGNED    NOT NULL AUTO_INCREMENT,
  class_id     INT UNSIGNED    NOT NULL,
  code         VARCHAR(16)     NOT NULL,
  title        VARCHAR(150)    NOT NULL,
  credit_hours DECIMAL(3, 1)   NOT NULL DEFAULT 4.0,
  teacher_id   BIGINT UNSIGNED NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_courses_class_code (class_id, code),
  CONSTRAINT fk_courses_class FOREIGN KEY (class_id) REFERENCES classes (id) ON DELETE CASCADE,
  CONSTRAINT fk_courses_teacher FOREIGN KEY (teacher_id) REFERENCES users (id) ON DELETE SET NULL
);
