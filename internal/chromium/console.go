package chromium

import (
	"fmt"
	"strings"
	"sync"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"
)

// Console collects what a page reports as an error: console.error calls,
// uncaught exceptions, and error entries of the browser's log (a failed
// request, a refused connection).
type Console struct {
	mu     sync.Mutex
	errors []string
}

// WatchConsole starts collecting the page's errors. Call it before the page
// loads what it checks.
func WatchConsole(page *rod.Page) *Console {
	c := &Console{}
	_ = proto.RuntimeEnable{}.Call(page)
	_ = proto.LogEnable{}.Call(page)
	go page.EachEvent(
		func(e *proto.RuntimeConsoleAPICalled) {
			if e.Type != proto.RuntimeConsoleAPICalledTypeError && e.Type != proto.RuntimeConsoleAPICalledTypeAssert {
				return
			}
			var parts []string
			for _, a := range e.Args {
				if s := a.Value.String(); s != "" && s != "null" {
					parts = append(parts, s)
				} else {
					parts = append(parts, a.Description)
				}
			}
			c.add("console." + string(e.Type) + ": " + strings.Join(parts, " "))
		},
		func(e *proto.RuntimeExceptionThrown) {
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
			c.add(fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
		},
		func(e *proto.LogEntryAdded) {
			if e.Entry.Level == proto.LogLogEntryLevelError {
				c.add(fmt.Sprintf("log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		},
	)()
	return c
}

func (c *Console) add(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errors = append(c.errors, s)
}

// Errors returns the errors seen so far, oldest first.
func (c *Console) Errors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errors...)
}
