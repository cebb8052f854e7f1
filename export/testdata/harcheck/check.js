'use strict'
// Validates a HAR file against the HAR 1.2 JSON schema with the independent
// har-validator package, then checks the version and the entry count.
// usage: node check.js FILE ENTRIES
const fs = require('fs')
const validate = require('har-validator')

const [file, entries] = process.argv.slice(2)
const har = JSON.parse(fs.readFileSync(file, 'utf8'))

validate.har(har).then(() => {
  if (har.log.version !== '1.2') {
    throw new Error('log.version is ' + har.log.version + ', want 1.2')
  }
  if (har.log.entries.length !== Number(entries)) {
    throw new Error(har.log.entries.length + ' entries, want ' + entries)
  }
  console.log('valid HAR 1.2, ' + har.log.entries.length + ' entries')
}).catch((err) => {
  console.error('invalid HAR: ' + (err.errors ? JSON.stringify(err.errors) : err.message))
  process.exit(1)
})
