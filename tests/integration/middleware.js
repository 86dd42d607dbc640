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
// 3. The message actions of examples/petstore-flow.yaml (product.md §14, tests/integration/
//    actions.sh), on json-server's own database (req.app.db, lowdb):
//      POST /pets/{id}/adopt  404 {"message"} when there is no such pet; 409 problem+json
//                             when the pet is already adopted (status "sold"); else the pet
//                             gets status "sold" and the body's adopter (and note), stored,
//                             and the answer is 200 with the updated pet; 400 without an
//                             adopter; POST /pets/9500/adopt is an unwired 500
//      POST /pets/search      the pets matching the JSON body's criteria (status,
//                             namePrefix, maxPrice, vaccinated; absent = any), 200 array
//      GET /status            200 {"status": "ok", "pets": N} (the action with the reserved
//                             slug, reached at actions/status-action)
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
  if (req.method === 'POST' && path === '/pets/9500/adopt') {
    res.status(500).type('application/json')
      .send('{"error":"adoption registry on fire","code":"E_FIRE_9500"}');
    return;
  }
  const adopt = req.method === 'POST' && /^\/pets\/([^/]+)\/adopt$/.exec(path);
  if (adopt) {
    actionAdopt(req, res, decodeURIComponent(adopt[1]));
    return;
  }
  if (req.method === 'POST' && path === '/pets/search') {
    actionSearch(req, res);
    return;
  }
  if (req.method === 'GET' && path === '/status') {
    res.status(200).json({ status: 'ok', pets: req.app.db.get('pets').size().value() });
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

function petById(req, id) {
  return req.app.db.get('pets').find((p) => String(p.id) === String(id));
}

function actionAdopt(req, res, id) {
  const pet = petById(req, id);
  if (!pet.value()) {
    res.status(404).json({ message: 'There is no pet with id ' + id });
    return;
  }
  if (pet.value().status === 'sold') {
    res.status(409).type('application/problem+json').send(JSON.stringify({
      type: 'https://petstore.example.test/problems/already-adopted',
      title: 'Conflict',
      detail: 'Pet ' + id + ' is already adopted'
    }));
    return;
  }
  const b = req.body && typeof req.body === 'object' ? req.body : {};
  if (typeof b.adopter !== 'string' || !b.adopter) {
    res.status(400).json({ message: 'adopter is required' });
    return;
  }
  const change = { status: 'sold', adopter: b.adopter };
  if (typeof b.note === 'string')
    change.note = b.note;
  pet.assign(change).write();
  res.status(200).json(pet.value());
}

function actionSearch(req, res) {
  const b = req.body && typeof req.body === 'object' ? req.body : {};
  const pets = req.app.db.get('pets').value().filter((p) =>
    (b.status === undefined || b.status === null || p.status === b.status) &&
    (typeof b.namePrefix !== 'string' || String(p.name).startsWith(b.namePrefix)) &&
    (typeof b.maxPrice !== 'number' || (typeof p.price === 'number' && p.price <= b.maxPrice)) &&
    (typeof b.vaccinated !== 'boolean' || p.vaccinated === b.vaccinated));
  res.status(200).json(pets);
}
