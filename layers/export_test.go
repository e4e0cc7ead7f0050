package layers

import "testing"

// SetBeforeStatement runs f before each layer statement of every
// composition until the test ends (tests of this package are not parallel).
func SetBeforeStatement(t testing.TB, f func(thread int64, database string)) {
	testHookBeforeStatement = f
	t.Cleanup(func() { testHookBeforeStatement = nil })
}
