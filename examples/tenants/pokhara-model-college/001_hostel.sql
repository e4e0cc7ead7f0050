-- Hostel rooms and which student lives where.
CREATE TABLE hostel_rooms (
  id       SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
  block    VARCHAR(16)       NOT NULL,
  number   VARCHAR(8)        NOT NULL,
  beds     TINYINT UNSIGNED  NOT NULL DEFAULT 2,
  warden_id BIGINT UNSIGNED  NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_hostel_rooms_block_number (block, number),
  CONSTRAINT fk_hostel_rooms_warden FOREIGN KEY (warden_id) REFERENCES users (id) ON DELETE SET NULL
);

ALTER TABLE students
  ADD COLUMN hostel_room_id SMALLINT UNSIGNED NULL AFTER class_id,
  ADD CONSTRAINT fk_students_hostel_room FOREIGN KEY (hostel_room_id) REFERENCES hostel_rooms (id) ON DELETE SET NULL;
