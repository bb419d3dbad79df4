// A user's rights for storage-level tests: the real UserAccess over the real caching SubjectAccessReview authorizer,
// with the review itself answered by `decide` (a stand-in for kube-apiserver's RBAC, which the e2e suites use).
import { SubjectAccessReviewAuthorizer, type SubjectAccessReviewSpec } from '../../apiserver/k8s/auth/authorizer.js';
import { type UserAccess, userAccess } from '../../apiserver/k8s/auth/access.js';
import type { UserInfo } from '../../apiserver/k8s/types.js';

export function accessFor(user: UserInfo, decide: (spec: SubjectAccessReviewSpec) => boolean = () => true, reviews: SubjectAccessReviewSpec[] = []): UserAccess {
  return userAccess(new SubjectAccessReviewAuthorizer({
    review: async (spec) => {
      reviews.push(spec);
      return { allowed: decide(spec) };
    },
  }), user);
}
