import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * How cdk-nag spells a resource inside a finding id (`AwsSolutions-IAM5[Resource::<name>]`): a GetAtt
 * is `<LogicalId.Attribute>`, a Ref `<LogicalId>`, a join its parts in a row. Acknowledgements are
 * matched by that exact id, so they are computed from the same value the policy holds.
 */
export function nagResourceName(scope: IConstruct, value: string): string {
  return spell(Stack.of(scope).resolve(value));
}

function spell(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isIntrinsic(value, 'Fn::GetAtt')) return `<${(value['Fn::GetAtt'] as string[]).join('.')}>`;
  if (isIntrinsic(value, 'Ref')) return `<${String(value.Ref)}>`;
  if (isIntrinsic(value, 'Fn::Join')) {
    const [separator, parts] = value['Fn::Join'] as [string, unknown[]];
    return parts.map(spell).join(separator);
  }
  return JSON.stringify(value);
}

function isIntrinsic<K extends string>(value: unknown, key: K): value is Record<K, unknown> {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 1 && key in value;
}

/** Acknowledges IAM5 wildcard-resource findings on `construct`, one per resource, with the reason. */
export function acknowledgeWildcardResources(
  construct: IConstruct,
  resources: readonly string[],
  reason: string,
): void {
  for (const resource of resources) {
    Validations.of(construct).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(construct, resource)}]`,
      reason,
    });
  }
}
