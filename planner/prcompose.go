package planner

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/go-sql-driver/mysql"
	"golang.org/x/sync/errgroup"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/spec"
)

// composition is one unique layer set's desired schema, or why it failed.
type composition struct {
	hash    string
	desired *layers.Desired
	err     error // a layer statement the dev server rejected, as "path:line: message"
}

// compositions composes each unique layer set of a pull request's two sides
// once.
type compositions struct {
	composer *layers.Composer
	mu       sync.Mutex
	byHash   map[string]*composition
}

func newCompositions(c *layers.Composer) *compositions {
	return &compositions{composer: c, byHash: map[string]*composition{}}
}

// start composes t's layers in g unless that layer set is already under way.
func (c *compositions) start(ctx context.Context, g *errgroup.Group, t *spec.Tenant) {
	hash := t.LayerHash()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byHash[hash]; ok {
		return
	}
	comp := &composition{hash: hash}
	c.byHash[hash] = comp
	g.Go(func() error {
		d, err := c.composer.ComposeLayers(ctx, t.Layers)
		if ctx.Err() != nil {
			return fmt.Errorf("planner: compose: %w", ctx.Err())
		}
		comp.desired, comp.err = d, composeError(err)
		return nil
	})
}

// get returns the composition of hash; start must have run for it.
func (c *compositions) get(hash string) *composition {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byHash[hash]
}

// composeError reports a rejected layer statement as "path:line: message",
// the form validation errors take in the PR comment.
func composeError(err error) error {
	var se *layers.StatementError
	if errors.As(err, &se) {
		msg := se.Err.Error()
		var me *mysql.MySQLError
		if errors.As(se.Err, &me) {
			msg = fmt.Sprintf("%s (error %d)", me.Message, me.Number)
		}
		return fmt.Errorf("%s:%d: %s", se.Path, se.Line, msg)
	}
	return err
}

// composeSides composes every unique layer set of both sides once.
func composeSides(ctx context.Context, opts PROptions, base, head *spec.Fleet) (*compositions, error) {
	comp := newCompositions(opts.Composer)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Concurrency)
	for _, fl := range []*spec.Fleet{base, head} {
		for _, t := range fl.Tenants {
			if active(t) {
				comp.start(gctx, g, t)
			}
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return comp, nil
}
