-- A member or a guest registered for an event. attended is set at the door.
CREATE TABLE event_registrations (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  event_id      BIGINT UNSIGNED NOT NULL,
  member_id     BIGINT UNSIGNED NULL,
  guest_name    VARCHAR(150)    NULL,
  guest_phone   VARCHAR(20)     NULL,
  registered_at TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP,
  attended      TINYINT(1)      NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  UNIQUE KEY uq_event_registrations_member (event_id, member_id),
  KEY idx_event_registrations_member (member_id),
  CONSTRAINT fk_event_registrations_event FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE,
  CONSTRAINT fk_event_registrations_member FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
  CONSTRAINT chk_event_registrations_who CHECK (member_id IS NOT NULL OR guest_name IS NOT NULL)
);
