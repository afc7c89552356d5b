// Package leakcheck fails a test binary that leaves goroutines running, with
// go.uber.org/goleak: VerifyTestMain runs the tests, then checks that every
// goroutine they started has ended.
//
// Many of the tests start the real server in-process; its HTTP engine
// (fasthttp) keeps two housekeeping goroutines that end on their own a few
// seconds after shutdown. Those are ignored; any other goroutine still
// running when a test binary ends fails it.
package leakcheck

import (
	"testing"

	"go.uber.org/goleak"
)

// Options are the goleak options VerifyTestMain uses, for tests that check
// for leaks themselves (goleak.VerifyNone).
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
