-- Wards of a municipality or rural municipality: the smallest unit of the
-- party organisation and of local elections.
CREATE TABLE wards (
  id           INT UNSIGNED      NOT NULL AUTO_INCREMENT,
  district_id  SMALLINT UNSIGNED NOT NULL,
  municipality VARCHAR(120)      NOT NULL,
  ward_number  TINYINT UNSIGNED  NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_wards_municipality_number (district_id, municipality, ward_number),
  CONSTRAINT fk_wards_district FOREIGN KEY (district_id) REFERENCES districts (id),
  CONSTRAINT chk_wards_number CHECK (ward_number BETWEEN 1 AND 35)
);
