-- Districts (77 in Nepal) with their headquarters. Codes are short
-- mnemonics used by this application, not official statistics codes.
CREATE TABLE districts (
  id           SMALLINT UNSIGNED NOT NULL,
  province_id  TINYINT UNSIGNED  NOT NULL,
  code         VARCHAR(4)        NOT NULL,
  name         VARCHAR(64)       NOT NULL,
  name_ne      VARCHAR(64)       NOT NULL,
  headquarters VARCHAR(64)       NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_districts_code (code),
  KEY idx_districts_province (province_id),
  CONSTRAINT fk_districts_province FOREIGN KEY (province_id) REFERENCES provinces (id)
);
