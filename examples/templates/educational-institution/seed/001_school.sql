-- Roles, permissions and settings of every school tenant.
INSERT INTO settings (name, value, type, section) VALUES
  ('school.current_academic_year', {{ quote .Vars.academic_year }}, 'string', 'school'),
  ('school.grading_scale', 'neb-letter-grade', 'string', 'school');

INSERT INTO roles (name, label, description, is_system) VALUES
  ('teacher', 'Teacher', 'Teaches courses and records grades', 1),
  ('student', 'Student', 'Sees own courses and grades', 1),
  ('guardian', 'Guardian', 'Sees the grades of a ward', 1);

INSERT INTO permissions (name, description, module) VALUES
  ('students.manage', 'Admit, move and graduate students', 'educational-institution'),
  ('courses.manage', 'Plan classes and courses', 'educational-institution'),
  ('grades.record', 'Enter marks', 'educational-institution'),
  ('grades.view', 'See grades', 'educational-institution');

INSERT INTO permission_role (permission_id, role_id)
  SELECT p.id, r.id FROM permissions p JOIN roles r ON r.name IN ('super-admin', 'admin')
  WHERE p.module = 'educational-institution';

INSERT INTO permission_role (permission_id, role_id)
  SELECT p.id, r.id FROM permissions p JOIN roles r ON r.name = 'teacher'
  WHERE p.name IN ('grades.record', 'grades.view');

INSERT INTO permission_role (permission_id, role_id)
  SELECT p.id, r.id FROM permissions p JOIN roles r ON r.name IN ('student', 'guardian')
  WHERE p.name = 'grades.view';
