// Package layers composes a tenant's desired schema from its ordered layers:
// it runs the layer DDL in a scratch database on the dev server and inspects
// the result with Atlas. One composition serves every tenant with the same
// layer set.
package layers

import (
	"context"
	"database/sql"
	"errors"

	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/spec"
)

// Desired is a desired schema composed from layers.
type Desired struct {
	Hash   string         // spec.HashLayers of the layers it was composed from
	Schema *schema.Schema // as Atlas inspected the scratch database; treat as read-only
}

// Composer composes desired schemas on a dev server and caches them by hash.
// It is safe for concurrent use.
type Composer struct {
	dev                *sql.DB
	charset, collation string
}

// New returns a Composer that composes in scratch databases on dev, created
// with the given charset and collation.
func New(dev *sql.DB, charset, collation string) *Composer {
	return &Composer{dev: dev, charset: charset, collation: collation}
}

// Compose returns the desired schema of t (cached by t.LayerHash()).
func (c *Composer) Compose(ctx context.Context, t *spec.Tenant) (*Desired, error) {
	return c.ComposeLayers(ctx, t.Layers)
}

// ComposeLayers returns the desired schema of the given layers in order. A
// failing statement is returned as a *StatementError.
func (c *Composer) ComposeLayers(ctx context.Context, layers []*spec.Layer) (*Desired, error) {
	return nil, errors.New("layers: not implemented")
}

// StatementError is a layer statement the dev server rejected.
type StatementError struct {
	Path string // repo-relative layer file
	Line int    // line of the statement in the file
	SQL  string
	Err  error // the server's error
}

func (e *StatementError) Error() string { return "" }
func (e *StatementError) Unwrap() error { return e.Err }
