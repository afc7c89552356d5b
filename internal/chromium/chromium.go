// Package chromium starts the system's Chromium headless for the project's
// browser tests and drives it with go-rod. It never downloads a browser: on
// Debian and Ubuntu the package "chromium" provides /usr/bin/chromium.
//
// A test opens a page in a few lines:
//
//	b := chromium.Start(t, chromium.Options{})
//	page := b.Page(t)
//	console := chromium.WatchConsole(page)
//	...
//	if errs := console.Errors(); len(errs) > 0 { t.Errorf(...) }
package chromium

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/launcher/flags"
	"github.com/go-rod/rod/lib/proto"
)

// Where the browser is looked for, and the defaults of Options.
const (
	// Path is Debian's Chromium.
	Path = "/usr/bin/chromium"
	// InstallHint says how to get it; the tests never download a browser.
	InstallHint = "install the system browser, e.g. `sudo apt-get install chromium` (the tests never download one)"

	DefaultWidth  = 1280
	DefaultHeight = 900
	// DefaultStartTimeout bounds the browser's start: a second on a quiet
	// machine, tens of seconds on a busy one.
	DefaultStartTimeout = 3 * time.Minute
)

// Find returns the Chromium program: Path, or "chromium" on PATH. Its error
// says how to install it.
func Find() (string, error) {
	if _, err := os.Stat(Path); err == nil {
		return Path, nil
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("Chromium not found at %s or on PATH: %s", Path, InstallHint)
}

// Options configure Launch. Zero values take the defaults.
type Options struct {
	Bin          string        // the program; "" means Find
	Width        int           // viewport of new pages, DefaultWidth if 0
	Height       int           // DefaultHeight if 0
	StartTimeout time.Duration // DefaultStartTimeout if 0
}

func (o Options) withDefaults() Options {
	if o.Width == 0 {
		o.Width = DefaultWidth
	}
	if o.Height == 0 {
		o.Height = DefaultHeight
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = DefaultStartTimeout
	}
	return o
}

// Browser is a running headless Chromium with its own temporary profile.
type Browser struct {
	*rod.Browser
	opts     Options
	launcher *launcher.Launcher
	profile  string
}

// Launch starts Chromium headless with a fresh profile in a temporary folder,
// with the flags a root user on a machine without GPU or internet needs
// (--no-sandbox --disable-gpu --disable-background-networking, no crash
// reporter, no component updates, no sync). Close stops it and removes the
// profile.
func Launch(ctx context.Context, o Options) (*Browser, error) {
	o = o.withDefaults()
	if o.Bin == "" {
		bin, err := Find()
		if err != nil {
			return nil, err
		}
		o.Bin = bin
	}
	profile, err := os.MkdirTemp("", "chromium-profile-")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()
	l := launcher.New().Context(ctx).
		Bin(o.Bin).
		Headless(true).
		Leakless(true). // a guard process stops Chromium if this process dies
		NoSandbox(true).
		UserDataDir(profile).
		// Chromium's crash and cache folders go to the temporary profile
		// too, never to the user's ~/.config or ~/.cache.
		Set(flags.Env, append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(profile, "config"), "XDG_CACHE_HOME="+filepath.Join(profile, "cache"))...).
		Set("disable-crash-reporter").
		Set("disable-gpu").
		Set("disable-background-networking").
		Set("disable-component-update").
		Set("disable-sync").
		Set("no-first-run").
		Set("window-size", fmt.Sprintf("%d,%d", o.Width, o.Height))
	controlURL, err := l.Launch()
	if err != nil {
		l.Cleanup()
		_ = os.RemoveAll(profile)
		return nil, fmt.Errorf("starting Chromium %s: %w", o.Bin, err)
	}
	b := &Browser{Browser: rod.New().ControlURL(controlURL), opts: o, launcher: l, profile: profile}
	if err := b.Connect(); err != nil {
		b.stop()
		return nil, fmt.Errorf("connecting to Chromium: %w", err)
	}
	return b, nil
}

// Close stops the browser and removes its profile.
func (b *Browser) Close() error {
	err := b.Browser.Close()
	b.stop()
	return err
}

func (b *Browser) stop() {
	b.launcher.Kill()
	b.launcher.Cleanup() // waits for the process to exit
	_ = os.RemoveAll(b.profile)
}

// NewPage opens a blank page of the configured viewport size.
func (b *Browser) NewPage() (*rod.Page, error) {
	page, err := b.Browser.Page(proto.TargetCreateTarget{URL: "about:blank"})
	if err != nil {
		return nil, fmt.Errorf("opening a page: %w", err)
	}
	if err := page.SetViewport(&proto.EmulationSetDeviceMetricsOverride{Width: b.opts.Width, Height: b.opts.Height, DeviceScaleFactor: 1}); err != nil {
		return nil, fmt.Errorf("sizing the page: %w", err)
	}
	return page, nil
}

// Start launches the browser for a test and closes it in tb.Cleanup. It fails
// tb, saying how to install Chromium, when there is none.
func Start(tb testing.TB, o Options) *Browser {
	tb.Helper()
	b, err := Launch(context.Background(), o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = b.Close() })
	return b
}

// Page opens a blank page, failing tb if it cannot.
func (b *Browser) Page(tb testing.TB) *rod.Page {
	tb.Helper()
	p, err := b.NewPage()
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
