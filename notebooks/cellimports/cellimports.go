// Package cellimports names every package that the notebooks' cells import.
//
// Notebook cells are compiled by GoNB in a module of their own, outside this
// one, so without this file the Go tools would not see that the workshop
// needs GoNB's gonbui package or golang.org/x/sync: `go mod tidy`
// would drop them from go.mod. Importing them here keeps go.mod tidy-clean
// with the versions the cells get. `make lab` also builds this package in the
// background once JupyterLab is up, so the Go build cache already holds
// everything a notebook's first cell compiles.
//
// When a cell starts importing a package outside the standard library, add it
// here (the test beside this file lists what is missing or no longer used).
// Standard library packages are listed too, only so that they are compiled
// ahead; the test does not require them.
//
// Nothing imports this package and it has no code.
package cellimports

import (
	// The standard library packages the cells use.
	_ "bytes"
	_ "context"
	_ "crypto/sha256"
	_ "encoding/gob"
	_ "errors"
	_ "fmt"
	_ "html"
	_ "image"
	_ "image/draw"
	_ "image/png"
	_ "io"
	_ "iter"
	_ "log"
	_ "math/rand/v2"
	_ "net"
	_ "net/http"
	_ "net/http/httptest"
	_ "net/http/httptrace"
	_ "os"
	_ "os/exec"
	_ "path/filepath"
	_ "runtime"
	_ "slices"
	_ "strings"
	_ "sync"
	_ "sync/atomic"
	_ "syscall"
	_ "testing"
	_ "time"

	// The workshop's packages.
	_ "github.com/go-async-workshop/workshop/server/gate"
	_ "github.com/go-async-workshop/workshop/server/mockserver"
	_ "github.com/go-async-workshop/workshop/snippets/instrument/clientcount"
	_ "github.com/go-async-workshop/workshop/snippets/instrument/exercise"
	_ "github.com/go-async-workshop/workshop/snippets/instrument/heartbeat"
	_ "github.com/go-async-workshop/workshop/snippets/instrument/measure"
	_ "github.com/go-async-workshop/workshop/snippets/instrument/sweep"
	_ "github.com/go-async-workshop/workshop/snippets/instrument/timeline"
	_ "github.com/go-async-workshop/workshop/snippets/lesson/contentwarnings"
	_ "github.com/go-async-workshop/workshop/snippets/lesson/mosaic"
	_ "github.com/go-async-workshop/workshop/snippets/tool/slider"
	_ "github.com/go-async-workshop/workshop/snippets/tool/subprocess"
	_ "github.com/go-async-workshop/workshop/snippets/tool/workload"
	_ "github.com/go-async-workshop/workshop/snippets/videoapi"

	// Other modules.
	_ "github.com/janpfeifer/gonb/gonbui"
	_ "golang.org/x/sync/errgroup"
	_ "golang.org/x/sync/semaphore"
)
