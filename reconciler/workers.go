package reconciler

import (
	"context"

	"golang.org/x/sync/errgroup"

	"github.com/stratadb/strata/spec"
)

// forEach runs fn for every tenant: servers in parallel, at most
// Options.Concurrency tenants at once per server. fn writes its result into
// its own slot (index i); one tenant's failure never stops the others, so
// fn reports failures in its result and forEach only returns ctx's error.
func (r *Reconciler) forEach(ctx context.Context, tenants []*spec.Tenant, fn func(ctx context.Context, i int, t *spec.Tenant)) error {
	byServer := map[string][]int{}
	var order []string
	for i, t := range tenants {
		if _, ok := byServer[t.Server]; !ok {
			order = append(order, t.Server)
		}
		byServer[t.Server] = append(byServer[t.Server], i)
	}
	var all errgroup.Group
	for _, name := range order {
		idx := byServer[name]
		all.Go(func() error {
			g, gctx := errgroup.WithContext(ctx)
			g.SetLimit(r.opts.Concurrency)
			for _, i := range idx {
				g.Go(func() error {
					if gctx.Err() == nil {
						fn(gctx, i, tenants[i])
					}
					return nil
				})
			}
			return g.Wait()
		})
	}
	if err := all.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}
