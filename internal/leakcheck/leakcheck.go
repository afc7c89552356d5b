// Package leakcheck configures go.uber.org/goleak for the tests that start the server in-process.
//
// The tests start the real server in-process; its HTTP engine (fasthttp)
// keeps two housekeeping goroutines that end on their own a few seconds after
// shutdown. Those are ignored; any other goroutine still running when a test
// binary ends fails it.
package leakcheck

import (
	"testing"

	"go.uber.org/goleak"
)

// Options are the goleak options every snippets test binary uses.
func Options() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
	}
}

// VerifyTestMain runs the tests, then fails if goroutines leaked.
func VerifyTestMain(m *testing.M) {
	goleak.VerifyTestMain(m, Options()...)
}
