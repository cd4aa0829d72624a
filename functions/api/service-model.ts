/** The shape of the compact service-model table that scripts/generate-codedeploy-model.ts writes. */
export type ShapeSpec =
  | { type: 'structure'; members: Record<string, string>; required?: string[] }
  | { type: 'list'; member: string; min?: number; max?: number }
  | { type: 'map'; key: string; value: string; min?: number; max?: number }
  | { type: 'string'; enum?: string[]; min?: number; max?: number; pattern?: string }
  | { type: 'integer' | 'long' | 'double' | 'float'; min?: number; max?: number }
  | { type: 'boolean' | 'timestamp' | 'blob' };

export interface OperationSpec {
  input?: string;
  output?: string;
  errors: string[];
}

export interface ServiceModelTable {
  targetPrefix: string;
  signingName: string;
  operations: Record<string, OperationSpec>;
  shapes: Record<string, ShapeSpec>;
  /** Names of the modelled exceptions. */
  exceptions: string[];
  /** Operation -> the member its paginator collects (paginators-1.json `result_key`). */
  paginatorResultKeys: Record<string, string>;
}
