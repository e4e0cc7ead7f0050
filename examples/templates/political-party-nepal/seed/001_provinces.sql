-- The seven provinces of Nepal (constitution of 2015), with their capitals.
INSERT INTO provinces (id, code, name, name_ne, capital) VALUES
  (1, 'P1', 'Koshi', 'कोशी प्रदेश', 'Biratnagar'),
  (2, 'P2', 'Madhesh', 'मधेश प्रदेश', 'Janakpur'),
  (3, 'P3', 'Bagmati', 'बागमती प्रदेश', 'Hetauda'),
  (4, 'P4', 'Gandaki', 'गण्डकी प्रदेश', 'Pokhara'),
  (5, 'P5', 'Lumbini', 'लुम्बिनी प्रदेश', 'Deukhuri'),
  (6, 'P6', 'Karnali', 'कर्णाली प्रदेश', 'Birendranagar'),
  (7, 'P7', 'Sudurpashchim', 'सुदूरपश्चिम प्रदेश', 'Godawari');
