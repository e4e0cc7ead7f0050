// Command strata keeps every tenant database of a multi-tenant SaaS at the
// schema its Git config repo describes.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	os.Exit(exitCode(err))
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "strata",
		Short:         "Keep every tenant database at the schema its Git config repo describes",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       readBuildInfo().Version,
	}
	root.SetVersionTemplate(readBuildInfo().String())
	root.AddCommand(
		newValidateCmd(),
		newSchemaCmd(),
		newInitCmd(),
		newPlanCmd(),
		newApplyCmd(),
		newStatusCmd(),
		newCredentialsCmd(),
		newCICmd(),
		newDriftCmd(),
		newRunCmd(),
		newArchivesCmd(),
		newVersionCmd(),
		newPauseCmd(),
		newResumeCmd(),
	)
	return root
}

// exitError carries a command's exit code. Commands return it for outcomes
// that are not failures of strata itself: changes pending (2), invalid input (1).
type exitError struct {
	code int
	err  error // printed when non-nil
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// exitCode prints err, if any, and maps it to the process exit code:
// 0 success, 1 error, or the code an exitError carries.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(os.Stderr, "strata:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "strata:", err)
	return 1
}
