// Same module as live.js, under the name the livestream brief first announced.
export * from './live.js';
