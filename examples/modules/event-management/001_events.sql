-- An event at a venue, organised by a user.
CREATE TABLE events (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  title        VARCHAR(200)    NOT NULL,
  description  TEXT            NULL,
  kind         ENUM('meeting', 'rally', 'training', 'fundraiser', 'workshop', 'other') NOT NULL DEFAULT 'meeting',
  venue        VARCHAR(200)    NULL,
  district     VARCHAR(64)     NULL,
  starts_at    DATETIME        NOT NULL,
  ends_at      DATETIME        NOT NULL,
  capacity     INT UNSIGNED    NULL,
  organizer_id BIGINT UNSIGNED NULL,
  status       ENUM('draft', 'published', 'cancelled', 'done') NOT NULL DEFAULT 'draft',
  created_at   TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at   TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY idx_events_starts_at (starts_at),
  KEY idx_events_status (status),
  CONSTRAINT fk_events_organizer FOREIGN KEY (organizer_id) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT chk_events_times CHECK (ends_at > starts_at)
);
