// middleware.js - a json-server 0.17 middleware for tests/integration/worker-crud.sh
// (json-server --middlewares FILE).
//
// 1. Records every request the worker sends as one JSON line in $OAC_RECORD_FILE (method,
//    URL with its query, the X-API-Key header, Content-Type, and the JSON body as
//    json-server's body parser read it), synchronously and before json-server answers, so
//    the test can prove what went upstream: filters and paging pushed as query
//    parameters, the API key header, a PUT body without the excluded "id".
// 2. Plays a broken upstream on three pet ids that the fixture database does not hold:
//      GET /pets/9500  500 with a JSON body
//      GET /pets/9501  200, Content-Type application/json, a body that is not JSON
//      GET /pets/9504  answers after 3 s, longer than the worker's timeout in the test
//    Everything else goes on to json-server.
'use strict';

const fs = require('fs');

const recordFile = process.env.OAC_RECORD_FILE;

module.exports = function (req, res, next) {
  if (recordFile) {
    const line = {
      method: req.method,
      url: req.originalUrl || req.url,
      apiKey: req.headers['x-api-key'] === undefined ? null : req.headers['x-api-key'],
      contentType: req.headers['content-type'] === undefined ? null : req.headers['content-type'],
      body: req.body === undefined ? null : req.body
    };
    fs.appendFileSync(recordFile, JSON.stringify(line) + '\n');
  }
  const path = (req.originalUrl || req.url).split('?')[0];
  if (req.method === 'GET' && path === '/pets/9500') {
    res.status(500).type('application/json')
      .send('{"error":"database on fire","code":"E_FIRE_9500"}');
    return;
  }
  if (req.method === 'GET' && path === '/pets/9501') {
    res.status(200).type('application/json').send('{"id": 9501, "name": "broken');
    return;
  }
  if (req.method === 'GET' && path === '/pets/9504') {
    const t = setTimeout(() => {
      if (!res.headersSent)
        res.status(200).type('application/json').send('{"id":9504,"name":"late"}');
    }, 3000);
    res.on('close', () => clearTimeout(t));
    return;
  }
  next();
};
