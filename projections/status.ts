export { projectionStatus, type ProjectionStatus } from './runner.ts';
