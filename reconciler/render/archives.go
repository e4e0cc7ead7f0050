package render

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/reconciler/landlord"
)

// Archives writes the archives strata archives lists, one a row; or
// {"archives": [...]} as JSON.
func Archives(w io.Writer, recs []landlord.Archive, f Format) error {
	if f == FormatJSON {
		if recs == nil {
			recs = []landlord.Archive{}
		}
		return writeJSON(w, map[string]any{"archives": recs})
	}
	if len(recs) == 0 {
		fmt.Fprintln(w, "no archives kept")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tOBJECT\tSTATE\tROWS\tBYTES\tRUN\tCOMMIT\tEXPIRES\tARCHIVE")
	for _, a := range recs {
		commit := a.Commit
		if len(commit) > 7 {
			commit = commit[:7]
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", a.Tenant, a.Kind, a.Object, a.State, a.Rows, a.Bytes, a.RunID, commit,
			a.ExpiresAt.UTC().Format(time.RFC3339), a.Table)
	}
	return tw.Flush()
}

// Purged writes one line per archive strata archives purge dropped or
// could not drop; "nothing to purge" when there was none.
func Purged(w io.Writer, got []reconciler.Purged) error {
	for _, p := range got {
		a := p.Archive
		if p.Error != "" {
			fmt.Fprintf(w, "not purged: %s %s of %s (%s): %s\n", a.Kind, a.Object, a.Tenant, a.Table, p.Error)
			continue
		}
		fmt.Fprintf(w, "purged: %s %s of %s (%s, %d rows, expired %s)\n", a.Kind, a.Object, a.Tenant, a.Table,
			a.Rows, a.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if len(got) == 0 {
		_, err := fmt.Fprintln(w, "nothing to purge")
		return err
	}
	return nil
}
