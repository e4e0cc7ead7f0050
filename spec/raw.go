package spec

// The raw* types are the YAML documents as the CUE definitions in package
// schemas decode them, defaults applied.

type rawApprove struct {
	Destructive []string `json:"destructive"`
}

type rawDrift struct {
	Strategy string `json:"strategy"`
}

type rawConfig struct {
	Servers map[string]struct {
		DSN string `json:"dsn"`
	} `json:"servers"`
	Defaults struct {
		Server    string `json:"server"`
		Charset   string `json:"charset"`
		Collation string `json:"collation"`
	} `json:"defaults"`
	DatabasePrefix string `json:"database_prefix"`
	Landlord       struct {
		Server   string `json:"server"`
		Database string `json:"database"`
	} `json:"landlord"`
	Dev struct {
		Server           string `json:"server"`
		StatementTimeout string `json:"statement_timeout"`
	} `json:"dev"`
	Layers struct {
		Engines []string `json:"engines"`
	} `json:"layers"`
	Drift   rawDrift   `json:"drift"`
	Approve rawApprove `json:"approve"`
	Apply   struct {
		LockWaitTimeout string `json:"lock_wait_timeout"`
	} `json:"apply"`
	Archive rawArchive    `json:"archive"`
	Notify  []rawReceiver `json:"notify"`
	Rollout struct {
		MaxFailures int    `json:"max_failures"`
		Bake        string `json:"bake"`
		Check       string `json:"check"`
	} `json:"rollout"`
}

type rawReceiver struct {
	Name          string            `json:"name"`
	Type          string            `json:"type"`
	URL           string            `json:"url"`
	Headers       map[string]string `json:"headers"`
	Events        []string          `json:"events"`
	DriftSeverity string            `json:"drift_severity"`
	Selector      map[string]string `json:"selector"`
	SMTP          *struct {
		Address  string   `json:"address"`
		Username string   `json:"username"`
		Password string   `json:"password"`
		From     string   `json:"from"`
		To       []string `json:"to"`
	} `json:"smtp"`
}

type rawTemplate struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Description string `json:"description"`
	Modules     struct {
		Required []string `json:"required"`
		Optional []string `json:"optional"`
	} `json:"modules"`
	Approve rawApprove `json:"approve"`
	Archive rawArchive `json:"archive"`
}

type rawModule struct {
	Name        string     `json:"name"`
	Version     string     `json:"version"`
	Description string     `json:"description"`
	Requires    []string   `json:"requires"`
	Conflicts   []string   `json:"conflicts"`
	Templates   []string   `json:"templates"`
	Approve     rawApprove `json:"approve"`
	Archive     rawArchive `json:"archive"`
}

type rawTenant struct {
	Name        string            `json:"name"`
	Template    string            `json:"template"`
	Description string            `json:"description"`
	Labels      map[string]string `json:"labels"`
	Modules     []string          `json:"modules"`
	Server      string            `json:"server"`
	Status      string            `json:"status"`
	Wave        int               `json:"wave"`
	Vars        map[string]any    `json:"vars"`
	Drift       rawDrift          `json:"drift"`
	Approve     rawApprove        `json:"approve"`
	Archive     rawArchive        `json:"archive"`
}
