-- The result of one enrolment in one term: marks, letter grade (A+ to NG)
-- and grade point.
CREATE TABLE grades (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  enrollment_id BIGINT UNSIGNED NOT NULL,
  term          ENUM('first', 'second', 'third', 'final') NOT NULL,
  marks         DECIMAL(5, 2)   NOT NULL,
  letter        VARCHAR(2)      NOT NULL,
  grade_point   DECIMAL(3, 2)   NOT NULL,
  graded_by     BIGINT UNSIGNED NULL,
  graded_at     TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_grades_enrollment_term (enrollment_id, term),
  CONSTRAINT fk_grades_enrollment FOREIGN KEY (enrollment_id) REFERENCES enrollments (id) ON DELETE CASCADE,
  CONSTRAINT fk_grades_graded_by FOREIGN KEY (graded_by) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT chk_grades_marks CHECK (marks BETWEEN 0 AND 100),
  CONSTRAINT chk_grades_point CHECK (grade_point BETWEEN 0 AND 4)
);
