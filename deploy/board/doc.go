// Package board is the class board: a JupyterHub service that shows the host
// the whole room at once, live. One row per attendee: their server's state
// (from the hub's API), the notebook they are in and how long ago they last
// ran a cell, each of the eight exercises not tried, red or green (with the
// time it turned green), and "stuck" when an exercise has stayed red too long
// or a hand is up. Above the rows, the room's totals per exercise.
//
// The facts come from each attendee's Jupyter server (workshop_board.py in
// deploy/jupyter), which reports every cell run and every exercise test to
// POST <prefix>report with the attendee's own hub token: the board asks the
// hub whom the token belongs to, so nobody can report for someone else.
//
// Only hub admins open the page: the board is an OAuth client of the hub
// (JupyterHub's OAuth for services) and keeps a session for an admin alone.
// The page follows <prefix>events, a Server-Sent Events stream of the room.
// A row's "view notebook" is <prefix>view: the attendee's workshop notebook,
// read from their server with the board's token and shown as escaped text
// on a page that runs no script (ViewCSP), never their JupyterLab.
//
// Everything the board keeps is bounded: MaxAttendees rows of validated
// names, MaxSessions logins, TokenCacheSize remembered tokens, MaxStreams
// open streams, MaxReport bytes a report, MaxNotebookView bytes a notebook.
package board
