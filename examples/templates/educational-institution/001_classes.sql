-- A class (grade and section) in one academic year, e.g. Grade 10, section A, in 2081/82 BS.
CREATE TABLE classes (
  id               INT UNSIGNED    NOT NULL AUTO_INCREMENT,
  grade            TINYINT UNSIGNED NOT NULL,
  section          VARCHAR(8)      NOT NULL DEFAULT 'A',
  academic_year    VARCHAR(9)      NOT NULL COMMENT 'Bikram Sambat, e.g. 2081/82',
  class_teacher_id BIGINT UNSIGNED NULL,
  room             VARCHAR(16)     NULL,
  created_at       TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_classes_year_grade_section (academic_year, grade, section),
  CONSTRAINT fk_classes_teacher FOREIGN KEY (class_teacher_id) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT chk_classes_grade CHECK (grade BETWEEN 1 AND 12)
);
