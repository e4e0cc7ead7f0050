package spec

// DevServer is the name of the server layers are composed on: dev.server,
// else defaults.server. Every verb chooses it here.
func (c Config) DevServer() string {
	if c.Dev.Server != "" {
		return c.Dev.Server
	}
	return c.Defaults.Server
}

// LandlordServer is the name of the landlord's server: landlord.server,
// else defaults.server. Every verb chooses it here.
func (c Config) LandlordServer() string {
	if c.Landlord.Server != "" {
		return c.Landlord.Server
	}
	return c.Defaults.Server
}
