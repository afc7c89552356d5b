package main

import (
	"context"
	"fmt"
)

// loadRow is one row of the table.
type loadRow struct {
	name       string
	url        string
	conns      int
	dashboards int
	r          loadResult
	events     float64 // events per second per dashboard, in dashboard rows
}

// plan lists the rows to measure: the 1000-connection rows (without and
// with dashboards, A B B A per pair), then the lighter rows and the bare
// control.
func plan(c config, s *servers) []loadRow {
	plain := loadRow{name: "mock server", url: s.mock, conns: c.conns}
	rows := []loadRow{plain}
	if c.dashboards > 0 {
		watched := loadRow{name: fmt.Sprintf("mock server + %d dashboards", c.dashboards), url: s.mock, conns: c.conns, dashboards: c.dashboards}
		rows = rows[:0]
		for range c.pairs {
			rows = append(rows, plain, watched, watched, plain)
		}
	}
	return append(rows,
		loadRow{name: "mock server", url: s.mock, conns: c.small},
		loadRow{name: "mock server, no load", url: s.mock, conns: c.idle},
		loadRow{name: "bare fasthttp, same sleep", url: s.bare, conns: c.conns},
	)
}

// measure drives every row in turn, with its dashboards open.
func measure(ctx context.Context, c config, rows []loadRow) error {
	for i := range rows {
		if err := measureRow(ctx, c, &rows[i]); err != nil {
			return err
		}
	}
	return nil
}

// measureRow drives one row and fills in its result.
func measureRow(ctx context.Context, c config, row *loadRow) (err error) {
	var ds *dashboardClients
	if row.dashboards > 0 {
		if ds, err = openDashboards(row.url, row.dashboards); err != nil {
			return err
		}
		defer func() {
			row.events = ds.close()
			if n := ds.failed.Load(); n > 0 && err == nil {
				err = fmt.Errorf("%d dashboards lost their stream during the run", n)
			}
		}()
	}
	row.r, err = drive(ctx, row.url, row.conns, c.warmup, c.window)
	return err
}

// mainRows merges the 1000-connection rows of the mock server: those
// without dashboards, those with, and the events each dashboard got per
// second on average. Without dashboard rows, only the first row counts.
func mainRows(c config, rows []loadRow) (plain, watched loadResult, events float64) {
	if c.dashboards == 0 {
		return rows[0].r, loadResult{}, 0
	}
	for _, row := range rows[:4*c.pairs] {
		if row.dashboards > 0 {
			watched, events = merge(watched, row.r), events+row.events
		} else {
			plain = merge(plain, row.r)
		}
	}
	return plain, watched, events / float64(2*c.pairs)
}
